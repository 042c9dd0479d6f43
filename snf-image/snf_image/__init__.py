"""snf_image"""
