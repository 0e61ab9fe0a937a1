"""Email over SMTP: the sender (smtplib) and the embedded mail sink (aiosmtpd)."""
