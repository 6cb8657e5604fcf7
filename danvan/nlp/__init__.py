"""Vietnamese NLP engine (plain Python, no Django)."""
