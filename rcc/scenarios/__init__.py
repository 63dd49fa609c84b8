"""What-ifs that build new instances: sufficiency changes and block-booking contracts."""
