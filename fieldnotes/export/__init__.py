"""Exports for analysis tools: NVivo documents and sheets (CSV or xlsx), REFI-QDA codebook (.qdc)
and project (.qdpx) for NVivo, ATLAS.ti, MAXQDA or QualCoder."""
