"""Building blocks the components are made of: a Lambda function in the VPC, a secure bucket, an encrypted log
group, IAM policy documents and roles, and the RDS CA bundle."""
