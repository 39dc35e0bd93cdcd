"""promo-tui: a terminal app for Easypromos promotions and Ezepo suppression lists."""

__version__ = "0.1.0"
