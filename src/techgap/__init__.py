"""techgap: regenerate the figures and tables of NDC's 2023 report on China's technological
self-reliance from cited, versioned data."""

__version__ = "0.1.0"
