"""Allow ``python -m nbprod``."""

from nbprod.cli import main

if __name__ == "__main__":
    main()
