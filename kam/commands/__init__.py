"""The commands, one module per area. Each function parses, calls the core, renders."""
