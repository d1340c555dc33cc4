"""Legal and interchange exports: FEC, SAF-T, Factur-X, backups."""
