"""Date formats per language (FORMAT_MODULE_PATH); Django's own apply to everything else."""
