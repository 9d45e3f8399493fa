"""The registry screens: organizations (o), informants (p) and the codebook (c).

`base.py` holds the one screen they share and the `Registry` protocol; each
other module implements the protocol for one registry, with its screen.
"""
