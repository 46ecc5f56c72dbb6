"""Platform connectors: adapters that fetch raw evidence over HTTP. See ``base.Connector``."""
