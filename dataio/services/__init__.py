"""Every write of data in and out: the import wizard's steps (wizard), planning rows (plan),
running, previewing and undoing an import (run)."""
