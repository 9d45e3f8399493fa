"""Reading files back in: notes (`fieldnotes import`) and codebooks (`codes import`)."""
