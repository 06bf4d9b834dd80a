"""Every module here is loaded by `pipelines.definitions`: one module per source, plus dbt and exports."""
