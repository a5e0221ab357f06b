"""plans/: list, create, detail (JSON or text), versions, disable and enable."""
