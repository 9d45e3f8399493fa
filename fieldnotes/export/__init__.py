"""Exports for analysis tools: NVivo CSV, REFI-QDA codebook (.qdc) and project (.qdpx)."""
