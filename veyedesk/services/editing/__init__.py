"""(face written below)"""
