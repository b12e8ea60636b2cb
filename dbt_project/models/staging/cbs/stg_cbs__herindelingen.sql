select
    datum_ingang as merged_on,
    oude_gm_code as old_gm_code,
    nieuwe_gm_code as new_gm_code,
    oude_naam as old_name,
    nieuwe_naam as new_name,
    source_file,
    loaded_at
from {{ source('cbs', 'cbs_herindelingen') }}
