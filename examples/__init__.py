"""Recorded conversations, one per bundled playbook: `crisisbot replay examples/product_defect.yaml`."""
