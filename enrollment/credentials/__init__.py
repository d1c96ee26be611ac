"""Verifiable membership credentials (docs/credentials.md).

Every membership year carries an Open Badges 3.0 credential: a W3C Verifiable Credential
signed by the portal's Ed25519 key as a VC-JWT, with a W3C Bitstring Status List entry
that flips when the year is revoked or lapses. Anyone can verify it offline with the
published key set; the certificate and the membership card carry a QR code to the
public verification page.
"""
