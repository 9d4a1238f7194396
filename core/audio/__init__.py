"""Audio: decoding and resampling (`decode`), the log-mel front end, patches and MFCC statistics
(`features`), tags from names, folders and metadata (`tags`), and preview data (`preview`)."""
