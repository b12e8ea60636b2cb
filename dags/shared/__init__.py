"""What the Dialoog DAGs share: Assets, the writer pool and default arguments (no DAG lives here)."""
