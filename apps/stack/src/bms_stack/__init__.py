"""Starts and supervises the three processes of the BMS supervisor on one machine.

The launcher depends on the apps only to install their console scripts in the
same environment; it talks to them as processes and over HTTP, never by import.
"""
