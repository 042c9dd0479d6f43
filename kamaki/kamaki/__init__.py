"""kamaki"""
