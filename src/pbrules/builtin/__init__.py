"""Built-in plugins: checkers, readers, exporters and packs, registered like any plugin."""
