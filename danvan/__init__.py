"""Dân Vận Số — the platform for mass-mobilisation work."""
