"""Pure stage functions of the synth DAG (ARCHITECTURE §2): pydantic in, pydantic out, no Prefect,
no warehouse connection. ``flows/stages/shard.py`` runs them in order for one shard; ``flows/synth.py``
runs each as a thin task, ``flows/fanout.py`` all of a shard in one task on a Dask worker."""
