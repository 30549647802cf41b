"""The ``affectkeras`` command line: one small module per subcommand, no logic of its own."""
