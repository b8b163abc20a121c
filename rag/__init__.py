"""Answer questions from the index: hybrid retrieval, grounded generation, checked citations."""
