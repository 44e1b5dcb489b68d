-- Orders as an append-only fact table: the first run copies every order, later runs insert only
-- the orders with a higher id than the newest one already in the table (order ids only grow).
{{ config(materialized='incremental', incremental_strategy='append') }}

select
    o.order_id,
    o.customer_id,
    o.amount,
    o.ordered_at
from {{ ref('stg_orders') }} as o
{% if is_incremental() %}
where o.order_id > (select coalesce(max(order_id), -1) from {{ this }})
{% endif %}
