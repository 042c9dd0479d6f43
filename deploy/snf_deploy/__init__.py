"""snf-deploy: bring a whole Synnefo cloud up, down, or ask how it is, on one host."""


class DeployError(Exception):
    """Something stops the deployment; the message is the one line the operator sees."""
