"""Versioned, effective-dated price files, their schema check, and the pricing that applies them."""
