"""Report pages built from the warehouse marts: SVG charts (`svg`) and the manager summary."""
