"""Engines: spoken text becomes audio (Google through gTTS, the offline eSpeak NG voice)."""
