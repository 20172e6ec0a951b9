"""bantin-audio: Vietnamese local-government news, cleaned, normalized and read aloud."""

__version__ = "0.1.0"
