"""The command-line front end: `sound-explorer <command>`. The parser is built once (`main.build_parser`)."""
