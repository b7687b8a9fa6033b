"""Browser tests: the app served for real and driven in headless Chromium at phone size."""
