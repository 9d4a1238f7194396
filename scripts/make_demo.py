"""Build resources/demo/ from Debian's sonic-pi-samples: CC0 files only, grouped by filename prefix."""
import os, re, shutil
from collections import defaultdict
SRC = '/usr/share/sonic-pi/samples'
COPY = '/usr/share/doc/sonic-pi-samples/copyright'
DEST = 'resources/demo'
BUDGET = 12 * 1024 * 1024
NAMES = {'ambi': 'ambient', 'bass': 'bass', 'bd': 'kick', 'drum': 'drums', 'elec': 'electronic', 'guit': 'guitar',
         'loop': 'loops', 'perc': 'percussion', 'sn': 'snare', 'tabla': 'tabla', 'vinyl': 'vinyl', 'misc': 'misc',
         'glitch': 'glitch', 'mehackit': 'mehackit'}
lic = {}
for p in open(COPY).read().split('\n\n'):
    m = re.search(r'^Files:\s*(\S+)\s*$', p, re.M)
    L = re.search(r'^License:\s*(\S+)', p, re.M)
    if m and L:
        C = re.search(r'^Copyright:\s*(.+)', p, re.M); S = re.search(r'^Source:\s*(.+)', p, re.M)
        lic[os.path.basename(m.group(1))] = (L.group(1), C.group(1).strip() if C else '', S.group(1).strip() if S else '')
groups = defaultdict(list)
for f in sorted(os.listdir(SRC)):
    if f.endswith('.flac') and lic.get(f, ('',))[0] == 'CC0':
        groups[f.split('_')[0]].append((os.path.getsize(os.path.join(SRC, f)), f))
chosen, total = [], 0
# round-robin over categories, smallest files first, until the budget is spent
queues = {k: sorted(v) for k, v in groups.items()}
while any(queues.values()):
    for k in sorted(queues):
        if queues[k]:
            size, f = queues[k].pop(0)
            if total + size <= BUDGET and sum(1 for c in chosen if c[0] == k) < 10:
                chosen.append((k, f)); total += size
shutil.rmtree(DEST, ignore_errors=True)
lines = ['# Demo collection: attribution', '',
         'Every file here is from the Debian package `sonic-pi-samples` (Sonic Pi by Sam Aaron et al.),',
         'itself from freesound.org, and is released under **CC0 1.0** (public domain dedication) as listed,',
         'file by file, in that package\'s `/usr/share/doc/sonic-pi-samples/copyright`. Only files listed there',
         'as CC0 are included. Folders group the files by their Sonic Pi filename prefix.', '',
         '| file | original author | source | licence |', '|---|---|---|---|']
for k, f in sorted(chosen, key=lambda c: (NAMES.get(c[0], c[0]), c[1])):
    folder = os.path.join(DEST, NAMES.get(k, k)); os.makedirs(folder, exist_ok=True)
    shutil.copy2(os.path.join(SRC, f), folder)
    L, C, S = lic[f]
    lines.append(f'| {NAMES.get(k, k)}/{f} | {C} | {S} | {L} |')
open(os.path.join(DEST, 'ATTRIBUTION.md'), 'w').write('\n'.join(lines) + '\n')
print(len(chosen), 'files', round(total / 1e6, 2), 'MB', sorted({NAMES.get(k, k) for k, _ in chosen}))
