# A local module for MOD-SRC-001's fixtures: an S3 bucket named by the caller, encrypted with the caller's key.
variable "bucket_name" {
  type = string
}

variable "kms_key_arn" {
  type    = string
  default = null
}

resource "aws_s3_bucket" "this" {
  bucket        = var.bucket_name
  force_destroy = true
}

resource "aws_s3_bucket_server_side_encryption_configuration" "this" {
  bucket = aws_s3_bucket.this.id
  rule {
    apply_server_side_encryption_by_default {
      sse_algorithm     = "aws:kms"
      kms_master_key_id = var.kms_key_arn
    }
  }
}

output "bucket_arn" {
  value = aws_s3_bucket.this.arn
}
