"""Run eark-validator 1.1.3 without network access (in .venv-eark; see scripts/install.sh --eark).

eark-validator downloads four CSIP vocabularies when it is imported. This wrapper answers those URLs from a
local folder ($CSIP_VOCAB_DIR, Arkivverket/DILCIS copies saved in ../shared/reference/eark/vocabularies) and
refuses every other URL, so nothing reaches the network. Arguments are eark-validator's own.
"""

import os
import sys
import urllib.request
from pathlib import Path

VOCABULARY_PREFIX = "https://earkcsip.dilcis.eu/schema/"
VOCABULARY_DIR = Path(os.environ.get("CSIP_VOCAB_DIR", "../shared/reference/eark/vocabularies"))


def offline_urlopen(url, *args, **kwargs):
    target = getattr(url, "full_url", url)
    if target.startswith(VOCABULARY_PREFIX):
        return (VOCABULARY_DIR / target[len(VOCABULARY_PREFIX):]).open("rb")
    raise OSError(f"network disabled: refusing to fetch {target}")


urllib.request.urlopen = offline_urlopen  # before the import: eark_validator binds urlopen when imported

from eark_validator.cli.app import main  # noqa: E402

if __name__ == "__main__":
    sys.exit(main())
