"""The creative studio: tools that find and suggest for curators, while people write and decide (subject suggestions
proposed into the review queue, learning from the decisions)."""
