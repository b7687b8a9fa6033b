"""Evidence of what works: outcome figures across need domains, the referral loop, and an anonymised export."""
