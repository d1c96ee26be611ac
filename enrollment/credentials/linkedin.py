"""LinkedIn's "Add to profile" link for a certification. Pure: the trainer's browser opens
it; the server never calls LinkedIn."""

import datetime
from urllib.parse import urlencode

ADD_TO_PROFILE = "https://www.linkedin.com/profile/add"


def linkedin_add_url(
    *,
    name: str,
    organization: str,
    issued_on: datetime.date,
    expires_on: datetime.date | None,
    credential_id: str,
    credential_url: str,
) -> str:
    params = {
        "startTask": "CERTIFICATION_NAME",
        "name": name,
        "organizationName": organization,
        "issueYear": issued_on.year,
        "issueMonth": issued_on.month,
    }
    if expires_on is not None:
        params.update(expirationYear=expires_on.year, expirationMonth=expires_on.month)
    params.update(certId=credential_id, certUrl=credential_url)
    return f"{ADD_TO_PROFILE}?{urlencode(params)}"
