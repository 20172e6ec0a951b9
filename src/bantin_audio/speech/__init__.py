"""Speech: an Article becomes a Script of segments with speakable Vietnamese text."""
