"""One module per schema revision, applied in order by ``mettre_a_jour_schema``."""
