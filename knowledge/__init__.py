"""Knowledge: articles catalog managers write, linked to offerings, specifications and ticket categories."""
