"""Pure stage functions of the synth DAG (ARCHITECTURE §2): pydantic in, pydantic out, no Prefect,
no warehouse. ``flows/synth.py`` wraps each in a thin task per shard."""
