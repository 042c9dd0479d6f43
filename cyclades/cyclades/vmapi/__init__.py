"""vmapi: one-time documents for snf-image's config_url, so secrets stay out of Ganeti."""
