"""The relevance test set: a fixed demo catalog and shoppers' queries with the products they expect."""
