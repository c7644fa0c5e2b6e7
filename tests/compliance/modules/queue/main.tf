# A local module for the cdktf feature tests: an SNS topic on the caller's key, TLS-only as AWS documents it.
variable "name" {
  type = string
}

variable "kms_key_arn" {
  type    = string
  default = null
}

resource "aws_sns_topic" "this" {
  name              = var.name
  kms_master_key_id = var.kms_key_arn
}

resource "aws_sns_topic_policy" "this" {
  arn = aws_sns_topic.this.arn
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Sid       = "AllowPublishThroughSSLOnly"
      Effect    = "Deny"
      Principal = "*"
      Action    = "sns:Publish"
      Resource  = aws_sns_topic.this.arn
      Condition = { Bool = { "aws:SecureTransport" = "false" } }
    }]
  })
}
