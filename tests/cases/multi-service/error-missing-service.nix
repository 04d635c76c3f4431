# Neither `service` nor `module` (null counts as absent); checked before `instances`.
{
  input = {
    module = null;
  };
  error = "service: missing: give 'service' or 'module'";
}
