"""snf_deploy"""
