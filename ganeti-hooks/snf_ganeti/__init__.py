"""snf_ganeti"""
